import{cy as i}from"./index-BR7t_6Iy.js";const n=o=>["",...i].includes(o);export{n as i};
