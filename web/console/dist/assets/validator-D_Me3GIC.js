import{cy as i}from"./index-Calp6wny.js";const n=o=>["",...i].includes(o);export{n as i};
