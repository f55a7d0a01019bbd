import{cy as i}from"./index-av1puVe0.js";const n=o=>["",...i].includes(o);export{n as i};
